"""One module per question the dashboard asks. Functions take a Store and a Slice and
return a Result (a frame with n columns, or None with a message)."""
