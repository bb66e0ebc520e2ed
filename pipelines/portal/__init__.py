"""The programme leaders' upload portal: sign-in with an IMDi token, template, upload, receipt,
overview. Server-rendered, Norwegian, no front-end build and no scripts (docs/portal.md)."""
