"""export package"""
