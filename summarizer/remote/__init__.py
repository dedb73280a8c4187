"""Beyond one machine: the OpenAI Batch API (`openai_batch`) and vLLM `run_batch` files
(`vllm`), sharing one request-file format (`requests`)."""
