"""Task functions run by RQ workers. Plain Python: nothing here imports the web app."""
