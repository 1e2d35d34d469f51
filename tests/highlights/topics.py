"""A talk in three sections on three topics, and prompts that each name one of them.

Every section has hooks (questions, numbers, bold claims), so engagement alone does not
point at any one section: a prompt has to. Some prompts share words with their section,
some only meaning ("insomnia", "gardening" are never said).
"""

from __future__ import annotations

PRICING = (
    "Most founders charge far too little for their software.",
    "Pricing is the fastest lever you have, faster than any new feature.",
    "We raised our subscription price from twenty to forty dollars a month.",
    "Almost nobody cancelled, and revenue doubled in one quarter.",
    "Offer three plans, and make the middle plan the obvious choice.",
    "Never give a discount without asking for something in return.",
)
SLEEP = (
    "Why do so many of us wake up tired after eight hours in bed?",
    "Sleep is not just about time, it is about rhythm.",
    "Go to bed and wake up at the same hour, even on weekends.",
    "Keep your bedroom cool and dark, and leave the phone in the kitchen.",
    "Caffeine after two in the afternoon still affects your sleep at midnight.",
    "A short walk in the morning sun resets your body clock.",
)
GARDEN = (
    "Growing tomatoes on a balcony is easier than you think.",
    "Pick a sunny spot that gets at least six hours of light.",
    "Use a deep pot with good soil and water it every morning.",
    "Pinch off the small shoots between the stem and the branches.",
    "Feed the plants once a week when the first flowers appear.",
    "By late summer you will pick more tomatoes than you can eat.",
)
SECTIONS = (PRICING, SLEEP, GARDEN)
TALK = PRICING + SLEEP + GARDEN

# (prompt, index of the section it names)
PROMPTS = (
    ("pricing", 0),
    ("how much should I charge for my product", 0),
    ("what should a subscription cost", 0),
    ("Find the moments about sleep", 1),
    ("tips for feeling rested in the morning", 1),
    ("insomnia", 1),
    ("gardening", 2),
    ("growing vegetables at home", 2),
    ("plants on a balcony", 2),
)
# prompts about none of it: relevance must stay low everywhere
UNRELATED = ("football transfer news", "machine learning in hospitals")
