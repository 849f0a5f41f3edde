"""Load and performance: Locust users behaving like tablets, and a benchmark that measures the
server side by side with a bare-websockets baseline on the same machine in the same run."""
