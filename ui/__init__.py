"""The Gradio web app (see issue: web chat). Built on assistant.Assistant."""
