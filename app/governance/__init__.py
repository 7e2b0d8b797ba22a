"""Data governance: who may do what (roles, users, tokens), self-service registration,
review of proposals, the audit trail and the change feed."""
