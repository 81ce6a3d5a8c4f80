"""Floor 4: reports: words and colours, the HTML pieces, charts, the Excel table, the
notebooks run by papermill and their rendering to HTML and PDF. Imports the floors below."""
