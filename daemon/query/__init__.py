"""The query side: Russian text, vocabulary, reading a query, ranking."""
