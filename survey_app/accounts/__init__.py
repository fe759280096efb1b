"""Accounts in the browser: list, create, disable and enable, reset a password, role and unit."""
