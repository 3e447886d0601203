"""The five products. Each is one Django app; they never import one another."""
