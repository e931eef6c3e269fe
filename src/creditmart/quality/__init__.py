"""Great Expectations suites, the validation runner and the quality report."""
