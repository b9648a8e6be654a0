# conf2mdoc.awk - guichet.conf(5) from conf/guichet.conf.example.
#
# The example config documents every key (a comment block above each key,
# a comment block above each section); this turns it into the manual
# page, so that the two never disagree. Shapes read:
#   # text...            a comment: the description of what follows
#   [type NAME]          a section (the comment above describes it)
#   key = value          a key with its example value
#   #key = value         an optional key shown with an example value
#   # ----- Title -----  a heading of the page
#   (a blank line)       ends a comment block that belongs to nothing
# Usage: awk -v date="Month D, YYYY" -f conf2mdoc.awk guichet.conf.example

function esc(s) {
	gsub(/\\/, "\\e", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

# mdoc wants each sentence on a line of its own, and .Pp for a blank line
function flush_text(    i, line, rest, at) {
	for (i = 1; i <= ntext; i++) {
		line = text[i]
		if (line == "") {
			if (i > 1 && i < ntext && text[i - 1] != "")
				print ".Pp"
			continue
		}
		while (match(line, /[.:;?!)] +[A-Z`(*"']/)) {
			at = RSTART
			rest = substr(line, at + 1)
			sub(/^ +/, "", rest)
			print esc(substr(line, 1, at))
			line = rest
		}
		print esc(line)
	}
	ntext = 0
}

function close_list() {
	if (inlist) {
		print ".El"
		inlist = 0
	}
}

function header() {
	print ".Dd " date
	print ".Dt GUICHET.CONF 5"
	print ".Os"
	print ".Sh NAME"
	print ".Nm guichet.conf"
	print ".Nd configuration of the Guichet support desk"
	print ".Sh DESCRIPTION"
	print ".Xr guichet 8"
	print "reads its configuration from"
	print ".Pa /etc/guichet/guichet.conf"
	print "or the file named by"
	print ".Fl c ."
	print "This page is generated from the example configuration shipped"
	print "with Guichet, which sets or shows every key;"
	print ".Ql guichet check-config"
	print "reports each problem of a file as"
	print ".Ar file : Ns Ar line : message ."
	print ".Pp"
}

function footer() {
	close_list()
	print ".Sh FILES"
	print ".Bl -tag -width Ds"
	print ".It Pa /etc/guichet/guichet.conf"
	print "the default configuration file"
	print ".It Pa /usr/share/doc/guichet/guichet.conf.example"
	print "the example this page is made from"
	print ".El"
	print ".Sh SEE ALSO"
	print ".Xr guichet 8"
}

BEGIN {
	ntext = 0; inlist = 0; intro = 1
	header()
}

# the opening comment of the file: the general rules of the format
intro && /^#/ {
	line = $0
	sub(/^# ?/, "", line)
	if (line ~ /^guichet\.conf - /)
		next
	text[++ntext] = line
	next
}
intro {
	flush_text()
	intro = 0
}

/^# -----/ {
	close_list()
	ntext = 0
	title = $0
	sub(/^# -+ */, "", title)
	sub(/ *-+ *$/, "", title)
	print ".Sh " toupper(title)
	next
}

/^\[[^]]+\]/ {
	close_list()
	name = $0
	sub(/\].*/, "]", name)
	name = esc(name)
	name = "\\(lB" substr(name, 2, length(name) - 2) "\\(rB"
	print ".Ss " name
	flush_text()
	next
}

/^#?[a-z][a-z0-9_]* = / {
	line = $0
	optional = (line ~ /^#/)
	sub(/^#/, "", line)
	key = line
	sub(/ = .*/, "", key)
	value = line
	sub(/^[^=]*= /, "", value)
	if (!inlist) {
		print ".Bl -tag -width Ds"
		inlist = 1
	}
	print ".It Cm " key " No = Ar " esc(value) (optional ? \
	    " No (example)" : "")
	flush_text()
	next
}

/^#/ {
	line = $0
	sub(/^# ?/, "", line)
	text[++ntext] = line
	next
}

/^[ \t]*$/ {
	# a comment block followed by a blank line belongs to the section
	if (ntext > 0) {
		if (inlist)
			print ".It \"\""
		flush_text()
	}
	next
}

END {
	footer()
}
