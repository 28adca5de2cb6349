"""Signal processing: frames, conditioning, contraction detection, technique and metrics."""
