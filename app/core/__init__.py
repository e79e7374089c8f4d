"""The lowest application layer: errors, configuration, hashing, build info, outputs, audit."""
