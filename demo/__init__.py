"""demo package"""
