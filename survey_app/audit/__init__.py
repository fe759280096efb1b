"""The audit log in the browser: a filtered, paginated list over ``AuditEntry``, and CSV."""
