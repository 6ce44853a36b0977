"""data_prep package"""
