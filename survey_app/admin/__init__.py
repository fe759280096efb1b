"""Platform administration: the security events of the audit log."""
