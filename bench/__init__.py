"""`make bench`: one line per figure (`name value unit`), and bench/results.json."""
