"""The Gradio app (`assistant serve`)."""
