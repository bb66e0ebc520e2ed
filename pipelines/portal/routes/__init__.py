"""The portal's routes, one router per area: sign-in, the overview and template, uploads and
receipts (docs/portal.md lists them)."""
