"""The report: the meeting turned into a document, rendered to HTML and PDF (through a
notebook and nbconvert) and to Word."""
