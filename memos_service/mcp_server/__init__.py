"""Memory for agents over the Model Context Protocol: the same tools over stdio (`memos mcp`, through
the REST API) and over streamable HTTP (mounted in the API at /mcp)."""
