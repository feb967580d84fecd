"""The case's documents as PDF: the 人民调解协议书 (People's Mediation Law Art. 28-29) and the
case archive (卷宗), HTML+CSS templates rendered by WeasyPrint with the Noto CJK fonts embedded.

- ``markup``: filling a template, every value escaped and cleaned of invisible controls;
- ``parties``: how a party is described (name, sex and birth year where known, address, masked ID);
- ``content``: what goes on the documents, read from the database in a few statements;
  ``labels``: the Chinese words for stored values and dates;
- ``agreement`` and ``archive``: the two documents' HTML; ``images``: which stored files are drawn;
- ``pdf``: HTML to PDF/A, fetching nothing but the images handed to it;
- ``access``: who may download which document; ``downloads``: checked, read, rendered, audited;
- ``web`` (the HTTP routes) and ``graphql`` (``mediationDocuments``, the links).
"""
