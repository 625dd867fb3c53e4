"""The company's systems behind small interfaces: orders and refunds, customer profiles."""
