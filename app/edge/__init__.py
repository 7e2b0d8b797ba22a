"""The request edge in front of Flask: rate limits and answer signatures (order: create_app)."""
