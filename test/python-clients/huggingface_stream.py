# Seed 004's InferenceClient snippet (Hugging Face serverless inference), streamed, as written
# except that the client is pointed at the local server's URL instead of a hub model id
# (nothing here may reach the hub), and the token comes from the environment.
import os
from huggingface_hub import InferenceClient

client = InferenceClient(
    os.environ["INFERENCE_ENDPOINT"],
    token=os.environ["HF_TOKEN"],
)

for message in client.chat_completion(
    messages=[{"role": "user", "content": "What is the capital of France?"}],
    max_tokens=500,
    stream=True,
):
    print(message.choices[0].delta.content, end="")
