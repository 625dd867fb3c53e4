"""The agent console: its own process, a REST API and a web page for human agents."""
