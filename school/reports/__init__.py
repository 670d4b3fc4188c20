"""Reports and documents produced from the records (outcome reports; transcripts later)."""
