"""Domain core of the customer-service assistant: no Rasa imports where it can avoid them."""
