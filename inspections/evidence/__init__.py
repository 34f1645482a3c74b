"""Photos and documents as evidence: originals kept byte for byte with their SHA-256, watermarked copies, before/after pairs."""
