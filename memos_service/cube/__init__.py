"""MemCube concepts: memory kinds, lifecycle states, and the portable archive format."""
