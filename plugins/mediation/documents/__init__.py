"""The case's documents as PDF: the 人民调解协议书 (People's Mediation Law Art. 28-29) and the
case archive (卷宗), HTML+CSS templates rendered by WeasyPrint with the Noto CJK fonts embedded.

- ``markup``: filling a template, every value escaped and cleaned of invisible controls;
- ``parties``: how a party is described (name, sex and birth year where known, address, masked ID);
- ``content``: what goes on the documents, read from the database in a few statements;
- ``agreement`` and ``archive``: the two documents' HTML;
- ``pdf``: HTML to PDF, fetching nothing but the attachments handed to it;
- ``access``: who may download which document;
- ``web`` (the HTTP routes) and ``graphql`` (``mediationDocuments``, the links).
"""
