"""The HTTP conventions every blueprint shares: the Api, problem+json errors, headers, logs."""
