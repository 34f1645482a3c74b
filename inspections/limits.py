"""Length caps of the free-text fields, in characters: the models' max_length and the forms' and serializers'.

A TextField's max_length is enforced by forms and serializers (and security.input_guard's pre_save check
for services that save text directly), not by the database; it bounds what one person can make everyone
else's pages, exports and PDFs carry.
"""
NOTE = 2000      # a note, a reason, a review opinion, a desk-check or reply line
FINDING = 4000   # one finding's description
REPORT = 5000    # a description, requirements, the measures taken, a clue's content, a visit summary
