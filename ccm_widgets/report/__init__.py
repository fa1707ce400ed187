"""The report: the meeting as one typed document (:mod:`.document`), drawn as a web page
through a notebook and nbconvert (:mod:`.web`), printed to PDF by Chromium (:mod:`.pdf`),
and drawn as a Word file (:mod:`.word`)."""
