print("vmigd")
