"""The facilitator's other pages: the meeting guide, attendance, review of the previous
recommendations, communications and debates."""
