"""The weekly digest: "what changed in open gen-AI this week", drafted for an editor.

week.py      ISO weeks (what a digest covers)
content.py   what a digest holds (plain data, saved as data.json)
build.py     DigestContent from the database (events, findings, snapshots)
curation.py  the editor's curation file: pin, drop, reorder, intro, blurbs
charts.py    license mix and rates over time (matplotlib: SVG for the web, PNG for email)
render.py    Markdown, HTML and email parts through templates/digest/*.j2
mail.py      the .eml file and sending it through SMTP
archive.py   published weeks: index page and Atom feed
workflow.py  draft / render / publish on disk, one folder per week
"""
