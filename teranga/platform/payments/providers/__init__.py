"""The payment gateways' adapters (one module each) and their registry."""
