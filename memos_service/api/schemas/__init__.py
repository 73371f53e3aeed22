"""Schema families by resource: XCreate / XUpdate for input, XPublic / XsPublic for output."""
