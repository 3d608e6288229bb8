# Seed 001's Python snippet (DigitalOcean serverless inference) as written, with the endpoint and
# key from the environment as the snippet reads them; only the model is the server's.
from openai import OpenAI
import os

client = OpenAI(
    base_url=os.environ["INFERENCE_ENDPOINT"] + "/v1",
    api_key=os.environ["MODEL_ACCESS_KEY"],
)

response = client.chat.completions.create(
    model=os.environ["MODEL"],
    messages=[{"role": "user", "content": "What is the capital of France?"}],
    temperature=0.7,
    max_tokens=100,
)
print(response.choices[0].message.content)
