"""Accounts and access: passwords, signed access tokens, who is calling, and what they may do.

`AUTH=required` (the default) guards writes and private reads with OAuth2 bearer tokens;
`AUTH=off` lets every caller do everything, as the service did before it had accounts.
"""
