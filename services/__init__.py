"""The service layer: one function per action, which authorises, validates, acts and audits,
called alike by the API routes, the dashboard's callbacks and the command line."""
