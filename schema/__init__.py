"""The GraphQL layer. Imports go one way: schema -> backend, never back."""
