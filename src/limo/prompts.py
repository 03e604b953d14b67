"""The LIMO prompt, in one place. Every stage that talks to a model renders through the chat template
with this system prompt unless configured otherwise."""

LIMO_SYSTEM_PROMPT = "Please reason step by step, and put your final answer within \\boxed{}."
