"""benchmarks package"""
