// Integration tests start real servers and processes: a generous upper bound, never a timing assertion.
jest.setTimeout(180_000);
