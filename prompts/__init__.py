"""The prompt templates (Jinja) and the worked example; `summarizer.prompting` renders them."""
