print("vmig")
