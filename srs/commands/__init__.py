"""The click commands, one module per concept. Each is thin: parse options, call one
function of the library, render. Heavy imports (SQLAlchemy, rich, fsrs) happen inside the
command bodies so that ``srs --help`` stays fast."""
