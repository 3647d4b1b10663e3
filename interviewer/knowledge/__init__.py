"""What the interviewer knows: the question bank, the source documents, their FAISS index and search."""
